#!/bin/sh
# man.sh: writes the man page connc(1) to stdout, made from the binary's own
# help texts (`connc --help` and `connc CMD --help` for every command), so
# that the page and --help cannot disagree.  Usage: sh docs/man.sh bin/connc
set -e
CONNC=${1:?usage: sh docs/man.sh path/to/connc}

# help text as troff, verbatim: backslashes doubled as \e, a leading . or '
# guarded by \&
verbatim() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

version=$("$CONNC" --version | sed 's/^connc //')
commands=$("$CONNC" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')

cat <<HEAD
.TH CONNC 1 "" "connc $version" "User Commands"
.SH NAME
connc \- compile the MICrONS connectome into a trainable network, and train it
.SH SYNOPSIS
.B connc
[\fB\-q\fR|\fB\-v\fR] \fIcommand\fR [\fIoptions\fR]
.br
.B connc
\fIcommand\fR \fB\-\-help\fR
.SH DESCRIPTION
.nf
HEAD
"$CONNC" --help | verbatim
echo ".fi"
echo ".SH COMMANDS"
for c in $commands; do
    echo ".SS connc $c"
    echo ".nf"
    "$CONNC" "$c" --help | verbatim
    echo ".fi"
done
echo ".SH HELP TOPICS"
for t in $("$CONNC" --help | sed -n 's/^help topics: //p'); do
    echo ".SS connc help $t"
    echo ".nf"
    "$CONNC" help "$t" | verbatim
    echo ".fi"
done
cat <<'TAIL'
.SH FILES
.TP
.I PREFIX/share/connc/schemas/
the formats of the files connc writes: IR (.cir), network description (.cnet),
container, export layouts, fetch cache, FER-2013 cache
.TP
.I ~/.cache/connc/
parsed FER-2013 cache (see \fBconnc data\fR)
.SH ENVIRONMENT
.TP
.B FER2013
FER-2013 CSV used when \fB\-\-data\fR is not given
.TP
.B CAVE_TOKEN
token for the CAVE services (see \fBconnc fetch \-\-help\fR)
.SH SEE ALSO
The README of the source distribution walks through fetch, compile, inspect,
train and export.
TAIL
