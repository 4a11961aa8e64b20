"""File exports of the API: streamed CSV (RFC 4180) and FIX 4.4 order messages."""
