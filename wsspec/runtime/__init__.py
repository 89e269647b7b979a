"""Code wsspec ships inside the functions it owns (copied into their packages as it is).

Each module here is self-contained: it imports nothing from wsspec, only the standard library,
the libraries vendored into the function's package (PyJWT with cryptography) and boto3 (which
the Lambda Python runtime provides). ``serve`` imports the same modules, so the local gateway
runs the code the deployed functions run.
"""
