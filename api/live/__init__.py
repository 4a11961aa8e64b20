"""Live updates: per-user events pushed over the WebSocket ``/api/v1/ws``."""
