"""ClusterSource implementations: the only package that reads from a cluster."""
