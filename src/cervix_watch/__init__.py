"""cervix-watch: cervical-length surveillance that prompts discussion, never orders treatment."""

__version__ = "0.2.0"
