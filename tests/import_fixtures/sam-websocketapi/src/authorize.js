// $connect authorizer: a ticket in the query string lets the client in.
exports.handler = async (event) => {
  const ticket = (event.queryStringParameters || {}).ticket;
  const effect = ticket === "let-me-in" ? "Allow" : "Deny";
  return {
    principalId: "ticker-client",
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: event.methodArn }],
    },
  };
};
