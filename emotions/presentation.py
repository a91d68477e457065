"""How each emotion is shown: a label, the adjective a sentence needs ("You look
surprised", "music for feeling disgusted"), an icon (a symbol of static/img/icons.svg,
drawn as SVG so it needs no emoji font) and a colour (WCAG AA against white text)."""

EMOTION_STYLE = {
    "angry": {"icon": "emotion-angry", "colour": "#c0392b", "label": "Angry", "adjective": "angry"},
    "disgust": {"icon": "emotion-disgust", "colour": "#5e7d1f", "label": "Disgust", "adjective": "disgusted"},
    "fear": {"icon": "emotion-fear", "colour": "#6c3fa0", "label": "Fear", "adjective": "afraid"},
    "happy": {"icon": "emotion-happy", "colour": "#b7650b", "label": "Happy", "adjective": "happy"},
    "sad": {"icon": "emotion-sad", "colour": "#1f5fa8", "label": "Sad", "adjective": "sad"},
    "surprise": {"icon": "emotion-surprise", "colour": "#b0306f", "label": "Surprise", "adjective": "surprised"},
    "neutral": {"icon": "emotion-neutral", "colour": "#556270", "label": "Neutral", "adjective": "neutral"},
}

# The static file holding every icon's <symbol>.
ICONS = "img/icons.svg"


def feeling(emotion: str) -> str:
    """The adjective for an emotion ("surprise" -> "surprised"); other words unchanged."""
    style = EMOTION_STYLE.get(emotion)
    return style["adjective"] if style else emotion
