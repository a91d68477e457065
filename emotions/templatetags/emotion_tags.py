"""Template helpers for showing emotions: ``{{ emotion|feeling }}`` gives the adjective a
sentence needs, ``{{ emotion|emotion_label }}`` and ``{{ emotion|emotion_colour }}`` its
label and colour, and ``{% icon "emotion-happy" %}`` draws a symbol of the icon sprite."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from emotions import presentation

register = template.Library()


@register.filter
def feeling(emotion: str) -> str:
    return presentation.feeling(emotion)


@register.filter
def emotion_label(emotion: str) -> str:
    style = presentation.EMOTION_STYLE.get(emotion)
    return style["label"] if style else emotion


@register.filter
def emotion_colour(emotion: str) -> str:
    style = presentation.EMOTION_STYLE.get(emotion)
    return style["colour"] if style else "#556270"


@register.simple_tag
def icon(name: str, css_class: str = "") -> str:
    """An icon from the sprite, hidden from screen readers (the text beside it names it)."""
    return format_html(
        '<svg class="icon{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        f" {css_class}" if css_class else "",
        static(presentation.ICONS),
        name,
    )


@register.simple_tag
def emotion_icon(emotion: str, css_class: str = "") -> str:
    return icon(f"emotion-{emotion}", css_class)


@register.simple_tag
def mood_icon(mood: str, css_class: str = "") -> str:
    return icon(f"mood-{mood}", css_class)
