"""Login request and response."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LoginRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"username": "demo_user_1", "password": "demo123"}]})

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class LoginResponse(BaseModel):
    """Bare (not enveloped): ``{"token", "expires_in", "portfolio_id"}``."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.sig",
         "expires_in": 86400, "portfolio_id": 1}]})

    token: str = Field(description="HS256 JWT; send it as `Authorization: Bearer <token>`")
    expires_in: int = Field(description="seconds until the token expires")
    portfolio_id: int | None = Field(description="the user's portfolio (null before any "
                                                 "upload, e.g. the admin)")
