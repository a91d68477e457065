"""Match mirrors the feeling: angry, disgust and fear were met with calm or sad music,
so matching and lifting barely differed. The new defaults, and the reason for each, are
in music/moods/mapping.py; rows staff have edited since the seed are left as they are."""

from django.db import migrations

# Frozen copies (a migration must not change when the code does).
OLD_MATCH = {
    "angry": ["calm"],
    "disgust": ["sad"],
    "fear": ["calm"],
    "happy": ["happy", "energetic"],
    "sad": ["sad"],
    "surprise": ["energetic"],
    "neutral": ["energetic"],
}
NEW_MATCH = {
    "angry": ["energetic"],
    "disgust": ["energetic", "sad"],
    "fear": ["sad", "energetic"],
    "happy": ["happy", "energetic"],
    "sad": ["sad"],
    "surprise": ["energetic", "happy"],
    "neutral": ["calm", "happy"],
}


def update(old: dict, new: dict):
    def run(apps, schema_editor):
        MoodMapping = apps.get_model("music", "MoodMapping")
        for emotion, moods in new.items():
            MoodMapping.objects.filter(emotion=emotion, strategy="match", moods=old[emotion]).update(moods=moods)

    return run


class Migration(migrations.Migration):
    dependencies = [("music", "0003_ratings_and_recommendation_logs")]

    operations = [migrations.RunPython(update(OLD_MATCH, NEW_MATCH), update(NEW_MATCH, OLD_MATCH))]
