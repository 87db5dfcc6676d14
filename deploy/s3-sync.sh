#!/bin/sh
# feedsmith: publish the site folder to S3 with each file kind's Content-Type (docs/deploy.md).
#   deploy/s3-sync.sh SITE s3://BUCKET[/PREFIX]
# `aws s3 sync` guesses types with Python's mimetypes, which has no .opml and calls .rss
# application/x-rss+xml, so each kind goes up in a pass of its own with its type named, feeds
# before the pages that link to them. Dotfiles (feedsmith's manifest, a temp file) never go up.
set -eu
if [ $# -ne 2 ]; then
    echo "usage: $0 SITE s3://BUCKET[/PREFIX]" >&2
    exit 2
fi
site=$1
dest=$2

upload() {  # upload PATTERN CONTENT-TYPE MAX-AGE
    aws s3 sync "$site" "$dest" --only-show-errors --exclude '*' --include "$1" \
        --exclude '.*' --exclude '*/.*' --content-type "$2" --cache-control "public, max-age=$3"
}

# the search index (Pagefind) first: the pages load it
upload '*.js' 'text/javascript; charset=utf-8' 600
for piece in pagefind pf_fragment pf_index pf_meta; do
    upload "*.$piece" 'application/octet-stream' 600
done
upload '*.atom' 'application/atom+xml; charset=utf-8' 600
upload '*.rss' 'application/rss+xml; charset=utf-8' 600
upload '*.json' 'application/feed+json; charset=utf-8' 600
upload '*.css' 'text/css; charset=utf-8' 86400
upload '*.opml' 'text/x-opml; charset=utf-8' 600
upload '*.html' 'text/html; charset=utf-8' 600

# Last, delete what the site no longer has (a removed topic's files). Every other file of these
# kinds went up above, so this pass uploads nothing.
aws s3 sync "$site" "$dest" --only-show-errors --delete --exclude '*' \
    --include '*.atom' --include '*.rss' --include '*.json' --include '*.css' --include '*.opml' \
    --include '*.html' --include '*.js' --include '*.pagefind' --include '*.pf_fragment' \
    --include '*.pf_index' --include '*.pf_meta' --exclude '.*' --exclude '*/.*'
