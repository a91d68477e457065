"""Template tags of music: ``{% detection_music detection %}`` renders a result's music
section (its stored list) on the server, so the result page and the fragment its
script swaps in are the same template (templates/music/_shown_list.html)."""

from django import template
from django.template.loader import render_to_string

from music.models import ShownListEntry
from music.sections import detection_music_context

register = template.Library()


@register.simple_tag(takes_context=True)
def detection_music(context, detection):
    request = context["request"]
    music = detection_music_context(request, detection, request.GET.get("subject"))
    undo = request.GET.get("undo", "")
    if "shown" in music and undo.isdigit():
        # A dislike sent without JavaScript comes back here with the song Undo restores.
        music["undo"] = ShownListEntry.objects.filter(shown_list=music["shown"], active=False, track_id=undo).first()
    return render_to_string("music/_shown_list.html", music, request=request)
