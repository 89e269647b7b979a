"""REQUEST authorizer: 'Authorization: Bearer ok' gets in."""


def handler(event, context):
    header = (event.get("headers") or {}).get("Authorization") or (event.get("headers") or {}).get(
        "authorization"
    )
    effect = "Allow" if header == "Bearer ok" else "Deny"
    return {
        "principalId": "browser",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
            ],
        },
    }
