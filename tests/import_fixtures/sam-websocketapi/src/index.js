// Ticker handlers: one file, three exports (SAM's Handler: index.<name>).
exports.connect = async (event) => {
  console.log("connected", event.requestContext.connectionId);
  return { statusCode: 200 };
};

exports.disconnect = async () => ({ statusCode: 200 });

exports.subscribe = async (event) => {
  const body = JSON.parse(event.body || "{}");
  return { statusCode: 200, body: JSON.stringify({ subscribed: body.symbol || null }) };
};
