locals {
  name       = "notify-${var.environment}"
  table_name = "${local.name}-connections"
  tags       = merge({ app = "notify" }, var.extra_tags)

  # route key => function label
  routes = {
    "$connect"    = "connect"
    "$disconnect" = "disconnect"
    "notify"      = "notify"
  }
}
