# The run-in-box job (scripts/lab/run-in-box.sh; docs/lab.md): runs the shell script kemari.script
# (a path inside a 9p-mounted folder) with the box's Java 17 and /dev/kvm, and prints
#   LAB-TESTS EXIT <status>
# on the console when it ends.
. /lab/env
export HOME=/root PATH=/usr/lib/jvm/java-17-openjdk-amd64/bin:/usr/sbin:/usr/bin:/sbin:/bin
export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
mkdir -p $HOME
[ -f "${K_script:-}" ] || { echo "LAB-TESTS EXIT 2 (no script ${K_script:-})"; exit 2; }
sh "$K_script"
echo "LAB-TESTS EXIT $?"
