"""The step-through page's parts: the steps of each view (:mod:`.steps`), where boxes and edges
go (:mod:`.geometry`) and the page's CSS and script (:mod:`.assets`). :func:`graphdiff.views.show.show`
puts them together."""
