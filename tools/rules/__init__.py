"""Alert rules people write ("sessions drops 30 % daily where sessionDefaultChannelGroup = Organic Search"): the
typed rule and its slash-command grammar (`spec`), names checked against the property's (`resolve`), the two
windows read from GA4 or Search Console (`read`), the verdict and its severity (`evaluate`), and the tool through
which the model proposes one (`propose`)."""
