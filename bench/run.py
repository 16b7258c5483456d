"""`make bench`: the loudness engine against the floor (plain encode) and the peer (ffmpeg-normalize).

Placeholder until the loudness-engine issue lands the full benchmark: it will generate a 60-minute
44.1 kHz stereo speech-like WAV (cached in bench/.cache) and time, in one run, plain
`ffmpeg -c:a libmp3lame -b:a 128k`, `ffmpeg-normalize -nt ebu -t -16 -tp -1` and `podpub normalize`
with the same target, printing wall time, peak RSS, ebur128 figures and the ratios.
"""

print(__doc__)
