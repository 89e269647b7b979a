environment = "qa"
extra_tags = {
  owner = "platform-team"
}
