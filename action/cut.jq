# Cuts the input (one raw string) to at most $max units — UTF-8 bytes when
# $bytes (the job summary's limit), else UTF-16 code units (how GitHub counts
# a comment) — and ends a cut text with $note. The cut falls before a
# training's <details> section when one starts in the second half, else
# between lines; the code fence and <details> elements it leaves open are
# closed, so the note is never swallowed by them. jq 1.6 compatible (no
# index/rindex: 1.6 counts those in bytes).

def width:
  if $bytes then (if . < 128 then 1 elif . < 2048 then 2 elif . < 65536 then 3 else 4 end)
  else (if . > 65535 then 2 else 1 end) end;

def units: if $bytes then utf8bytelength else [explode[] | width] | add // 0 end;

# Whether the whole text fits, without exploding a text that clearly does
# (or clearly does not).
def fits:
  if $bytes then utf8bytelength <= $max
  elif length > $max then false
  elif length * 2 <= $max then true
  else units <= $max end;

# The longest prefix whose units fit $budget (a unit per character at least).
def prefix($budget):
  .[0:$budget] | explode as $cps
  | ([foreach $cps[] as $c (0; . + ($c | width))] | map(select(. <= $budget)) | length) as $n
  | $cps[0:$n] | implode;

def fence_len: capture("^ {0,3}(?<t>`{3,})").t | length;

# What the lines leave open: a backtick fence (its length) and <details> depth.
def open_state:
  reduce .[] as $l ({fence: null, depth: 0};
    if .fence == null then
      if ($l | contains("```") and test("^ {0,3}```")) then .fence = ($l | fence_len)
      elif ($l | contains("details")) then
        .depth += ([$l | match("<details[ >]"; "g")] | length)
                  - ([$l | match("</details>"; "g")] | length)
      else . end
    elif ($l | contains("```") and test("^ {0,3}```+\\s*$")) and ($l | fence_len) >= .fence then .fence = null
    else . end);

if fits then .
else
  . as $text
  # Room for the closing fence, the closing tags and the note.
  | ($max - ($note | units) - 512) as $budget
  | split("\n") as $lines
  # How many whole lines fit; counting stops at the first that does not.
  | ([label $full | foreach $lines[] as $l (0; . + ($l | units) + 1;
        if . > $budget then break $full else . end)] | length) as $k
  | ([range(($k / 2 | floor) + 1; $k) | select($lines[.] | startswith("<details>"))] | last // $k) as $keep
  # A slice of the text, not a join of the lines: jq 1.6 joins in quadratic time.
  | ([$lines[0:$keep][] | length + 1] | add // 0) as $chars
  | (if $keep > 0 then $text[0:$chars - 1] else "" end) as $head
  | (if ($head | units) * 2 < $budget and $keep < ($lines | length)
     then [$lines[$keep] | prefix($budget - ($head | units) - 1)]
     else [] end) as $part
  | ($lines[0:$keep] + $part | open_state) as $open
  | $head
    + (if $part == [] then "" elif $keep > 0 then "\n" + $part[0] else $part[0] end)
    + (if $open.fence then "\n" + ("`" * $open.fence) else "" end)
    + ([range(0; [$open.depth, 0] | max)] | map("\n</details>") | join(""))
    + "\n\n" + $note
end
