"""Anomaly alerts: checks each alert subscription's series with the detector and posts one alert per incident."""
