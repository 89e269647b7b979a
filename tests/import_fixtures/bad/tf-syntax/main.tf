resource "aws_apigatewayv2_api" "ws" {
  name = "broken
  protocol_type = "WEBSOCKET"
}
