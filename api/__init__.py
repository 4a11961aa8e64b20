"""The SigmaSight HTTP API (FastAPI); ``api.main:app`` is what uvicorn serves."""

API_PREFIX = "/api/v1"  # every public route lives under it
