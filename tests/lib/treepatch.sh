# A patch applied to a kernel tree for a while, for a build that needs the
# source as a patch left it (ksplice-create --series), then taken out again
# from the backups it made.  The tree's objects rebuild: the restored
# sources are touched.
#   tree_patch TREE PATCH SUFFIX      patch -p1 with backups FILE$SUFFIX
#   tree_unpatch TREE SUFFIX          every FILE$SUFFIX back to FILE
tree_patch() {
	patch -d "$1" -s -p1 -b -z "$3" < "$2"
}

tree_unpatch() {
	local f
	for f in $(find "$1" -name "*$2"); do
		mv "$f" "${f%"$2"}"
		touch "${f%"$2"}"
	done
}
