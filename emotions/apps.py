from django.apps import AppConfig


class EmotionsConfig(AppConfig):
    name = "emotions"
    verbose_name = "Emotions"
