"""Query and Mutation fields, one module per noun."""
