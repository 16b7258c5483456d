#!/usr/bin/env bash
# Speak the demo episodes with espeak-ng's French voice, one file per chapter, joined with a
# second of silence, deliberately quiet (about −35 LUFS) so normalization has work to do.
# Prints each chapter's start time for the front matter. Needs espeak-ng and sox (Debian
# packages); run once: the FLAC sources it writes are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

speak() {  # speak EPISODE_DIR TEXT...
  local dir=$1; shift
  local parts=() start=0 i=0
  sox -n -r 22050 -c 1 "$work/gap.wav" trim 0 1.0
  for text in "$@"; do
    espeak-ng -v fr -s 145 -w "$work/raw$i.wav" "$text"
    sox "$work/raw$i.wav" -r 22050 -c 1 "$work/part$i.wav"
    echo "  chapter $i starts at $start s"
    parts+=("$work/part$i.wav" "$work/gap.wav")
    start=$(python3 -c "print(round($start + $(soxi -D "$work/part$i.wav") + 1.0, 3))")
    i=$((i + 1))
  done
  sox "${parts[@]}" -b 16 "$dir/audio.flac" vol 0.12
  echo "$dir/audio.flac: $(soxi -D "$dir/audio.flac") s, $(stat -c %s "$dir/audio.flac") bytes"
}

speak episodes/2012-04-25-isolement \
  "Podcast numéro vingt-cinq. Enjeux des réseaux sociaux : l'isolement." \
  "Dépendance, déprime et l'isolement vous menacent sur les réseaux sociaux !" \
  "N'oubliez jamais qu'ils ne représentent qu'une petite partie de votre vie relationnelle et sociale qui reste, bien heureusement, I R L ! Apéro ?"

speak episodes/2012-04-26-vous \
  "Podcast numéro vingt-six. Essentiel dans les réseaux sociaux : vous !" \
  "Dans les réseaux sociaux, il en est comme dans la vie courante : le futile côtoie l'essentiel, la médiocrité masque parfois la richesse des échanges, la technologie supplante pour certains le lien." \
  "Mais n'oubliez jamais que l'humain est au cœur de la relation sociale, et que l'essentiel, c'est VOUS !"
