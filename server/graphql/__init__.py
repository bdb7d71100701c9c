"""The GraphQL API (strawberry): every metadata read and write goes through it."""
