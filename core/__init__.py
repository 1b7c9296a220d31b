"""The bottom layer: domain errors, the official-language helper, small pure pieces. No models;
imports nothing of the project."""
