"""What operators watch: the Prometheus metrics registry shared by every part of the process."""
