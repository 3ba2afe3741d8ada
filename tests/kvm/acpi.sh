#!/bin/sh
# SPDX-License-Identifier: MIT
# ferry run --dump-acpi writes tables that Debian's iasl (acpica-tools)
# disassembles without an error and whose disassembly compiles again with
# 0 errors, 0 warnings, 0 remarks, and that say what the options asked
# for: a LAPIC per vCPU, the ECAM window, the 64-bit PCI window above RAM.
# iasl cannot read an RSDP file (its signature is no table name): the
# RSDP's checksums and XSDT pointer are checked here instead.
#   acpi.sh FERRY
set -u
ferry=$1
if ! command -v iasl >/dev/null 2>&1; then
	echo "SKIP: iasl not found; install Debian's acpica-tools (./dev deps)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

# dump NAME OPTIONS...: the tables of `ferry run OPTIONS` in $tmp/NAME,
# each disassembled (NAME/x.dsl) and compiled again.
dump() {
	name=$1
	shift
	echo "== ferry run $* --dump-acpi"
	if ! "$ferry" run --dump-acpi "$tmp/$name" "$@"; then
		bad "--dump-acpi $* failed"
		return
	fi
	for f in "$tmp/$name"/*.dat; do
		t=$(basename "$f" .dat)
		[ "$t" = rsdp ] && continue
		if ! (cd "$tmp/$name" && iasl -d "$t.dat") >"$tmp/$name/$t.dis" 2>&1 ||
			grep -qiE 'error|warning|unknown' "$tmp/$name/$t.dis" ||
			[ ! -s "$tmp/$name/$t.dsl" ]; then
			bad "$name: iasl -d $t.dat:"
			cat "$tmp/$name/$t.dis"
			continue
		fi
		if (cd "$tmp/$name" && iasl -p "re-$t" "$t.dsl") >"$tmp/$name/$t.re" 2>&1 &&
			grep -q '0 Errors, 0 Warnings, 0 Remarks' "$tmp/$name/$t.re"; then
			ok "$name: $t disassembles and compiles again cleanly"
		else
			bad "$name: the disassembly of $t does not compile cleanly:"
			cat "$tmp/$name/$t.re"
		fi
	done
}

# field NAME TABLE LABEL: the value iasl prints for LABEL in TABLE.
field() {
	sed -n "s|^\\[[^]]*\\] *$3 : \\([^ ]*\\).*|\\1|p" "$tmp/$1/$2.dsl" | head -n1
}

# want WHAT GOT EXPECTED
want() {
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else bad "$1 = '$2', expected '$3'"; fi
}

dump small --cpus 1 --memory 256M
dump big --cpus 4 --memory 6G
for n in small big; do
	want "$n: tables" "$(cd "$tmp/$n" && ls ./*.dat | tr '\n' ' ')" \
		"./apic.dat ./dsdt.dat ./facp.dat ./facs.dat ./mcfg.dat ./rsdp.dat ./xsdt.dat "
	# RSDP: "RSD PTR ", both checksums zero, the XSDT where the XSDT is.
	python3 - "$tmp/$n" <<'PY' || fail=1
import struct, sys
d = sys.argv[1]
r = open(d + '/rsdp.dat', 'rb').read()
x = open(d + '/xsdt.dat', 'rb').read()
ok = (len(r) == 36 and r[:8] == b'RSD PTR ' and sum(r[:20]) % 256 == 0
      and sum(r) % 256 == 0 and r[15] == 2 and x[:4] == b'XSDT'
      and struct.unpack_from('<Q', r, 24)[0] == 0xe0000 + 0x30)
print(('ok' if ok else 'FAIL') + ': %s: RSDP checksums and XSDT pointer' % d.split('/')[-1])
sys.exit(0 if ok else 1)
PY
done
want "small: LAPICs" "$(grep -c 'Local Apic ID' "$tmp/small/apic.dsl")" 1
want "big: LAPICs" "$(grep -c 'Local Apic ID' "$tmp/big/apic.dsl")" 4
want "big: IOAPIC ID" "$(field big apic 'I/O Apic ID')" 04
want "big: MCFG base" "$(field big mcfg 'Base Address')" 00000000E0000000
want "big: MCFG last bus" "$(field big mcfg 'End Bus Number')" 00
want "big: FADT reset register" "$(field big facp 'Address' | head -n1)" 0000000000000CF9
want "big: FADT SCI" "$(field big facp 'SCI Interrupt')" 0009
# 6 GiB: 3 GiB below the hole, 3 above 4 GiB: RAM ends at 7 GiB.
want "big: 64-bit window" "$(grep -A2 QWordMemory "$tmp/big/dsdt.dsl" | sed -n 's/.*0x\([0-9A-F]*\), *\/\/ Range Minimum/\1/p')" 00000001C0000000
want "small: 64-bit window" "$(grep -A2 QWordMemory "$tmp/small/dsdt.dsl" | sed -n 's/.*0x\([0-9A-F]*\), *\/\/ Range Minimum/\1/p')" 0000000100000000
want "_PRT entries" "$(grep -c 'GSI[0-7], $' "$tmp/big/dsdt.dsl")" 128

# 255 vCPUs cannot be described: one sentence, status 2.
out=$("$ferry" run --cpus 255 --dump-acpi "$tmp/toomany" 2>&1)
want "--cpus 255 status" "$?" 2
case $out in
*"at most 254 vCPUs"*) ok "--cpus 255 says why" ;;
*) bad "--cpus 255: '$out'" ;;
esac

[ $fail = 0 ] && echo PASS
exit $fail
