"""Inter-ward inquiries and outbound contact plans (built in the inquiries issue)."""
