"""CloudButler's custom actions: thin Rasa Action classes over the AWS service layer in ``actions.aws``."""
