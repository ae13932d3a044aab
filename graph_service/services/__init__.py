"""The use cases, one function each, under the HTTP API, the CLI and the client.

Each function takes the store and the caller's :class:`~graph_service.services.access.Access`,
decides what the caller sees (masking, unsealing ID numbers), writes the audit log, and
returns the answer as a response model (:mod:`graph_service.services.models`) or, for the
answers the API documents as free-form JSON, as plain data. The routers and the client's local
backend only translate: HTTP parameters in, the model out. Nothing here imports FastAPI or
:mod:`graph_service.api`.
"""
