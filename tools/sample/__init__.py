"""Sample properties: realistic GA4 + Search Console data generated in process, for the demo and the test fakes."""
