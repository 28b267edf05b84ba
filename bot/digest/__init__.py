"""The morning digest: what it reports (GA4 + Search Console, movers, anomalies), how it renders and is posted."""
