"""How each emotion is shown: an emoji and a colour (WCAG AA against white text)."""

EMOTION_STYLE = {
    "angry": {"emoji": "😠", "colour": "#c0392b", "label": "Angry"},
    "disgust": {"emoji": "🤢", "colour": "#5e7d1f", "label": "Disgust"},
    "fear": {"emoji": "😨", "colour": "#6c3fa0", "label": "Fear"},
    "happy": {"emoji": "😄", "colour": "#b7650b", "label": "Happy"},
    "sad": {"emoji": "😢", "colour": "#1f5fa8", "label": "Sad"},
    "surprise": {"emoji": "😲", "colour": "#b0306f", "label": "Surprise"},
    "neutral": {"emoji": "😐", "colour": "#556270", "label": "Neutral"},
}
