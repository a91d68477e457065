# Sourced by scripts/run: skip a start-up step whose inputs have not changed since it last
# succeeded.
#
#   if stale STAMP PATH...; then run the step; fresh STAMP; fi
#
# `stale` hashes the path, size and modification time of every file under each PATH (a
# PATH that does not exist counts by its name, so a setting's value can be passed too;
# __pycache__ folders are left out) and
# is true when STAMP is missing or holds another hash, or when FERMUSIC_RERUN_STEPS=1;
# `fresh` then writes that hash to STAMP. A failed step writes no stamp, so it runs again
# at the next start.
stale() {
  local stamp=$1 path
  shift
  _stamp_hash=$(
    for path in "$@"; do
      if [ -e "$path" ]; then
        find "$path" -name __pycache__ -prune -o -type f -printf '%p %s %T@\n' | LC_ALL=C sort
      else
        echo "absent $path"
      fi
    done | sha256sum | cut -d' ' -f1
  )
  [ "${FERMUSIC_RERUN_STEPS:-}" = 1 ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$_stamp_hash" ]
}

fresh() {
  mkdir -p "$(dirname "$1")"
  echo "$_stamp_hash" >"$1"
}
