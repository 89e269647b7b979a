"""$connect authorizer: the token query parameter must be 'open-sesame'."""


def handler(event, context):
    token = (event.get("queryStringParameters") or {}).get("token")
    effect = "Allow" if token == "open-sesame" else "Deny"
    return {
        "principalId": "player",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
            ],
        },
    }
