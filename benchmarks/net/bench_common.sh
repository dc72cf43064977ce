# SPDX-License-Identifier: MIT
# bench_common.sh - sourced by the comparison scripts: medians of interleaved rounds, corio's
# Google Benchmark rate, and the table that puts corio next to two other clients.

# The last of its arguments, "n/a" if there are none (for a client that is not installed).
last() {
    if [[ $# -eq 0 ]]; then
        echo n/a
    else
        echo "${@: -1}"
    fi
}

# The median of its arguments ("failed" if any failed, "n/a" if there are none).
median() {
    if [[ $# -eq 0 ]]; then
        echo n/a
    elif [[ " $* " == *" failed "* ]]; then
        echo failed
    else
        printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
    fi
}

# corio_rate BENCHMARK FILTER SECONDS: the items/s of the one benchmark FILTER selects, or
# "failed". Killed after $limit seconds.
corio_rate() {
    timeout "$limit" "$1" --benchmark_filter="$2" --benchmark_min_time="$3" \
        --benchmark_format=csv 2>/dev/null |
        awk -F, '
            /^name,/ { for (i = 1; i <= NF; ++i) if ($i == "items_per_second") column = i; next }
            column && $column != "" { printf "%.0f\n", $column; found = 1 }
            END { if (!found) print "failed" }'
}

# An awk function for the tables: a / b to two decimals, or "-" unless both are whole numbers.
# shellcheck disable=SC2034 # used by the scripts that source this file
awk_ratio_function='function ratio(a, b) { return (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/ && b > 0) ? sprintf("%.2f", a / b) : "-" }'

# ratio_table "ROW HEADER" "A HEADER" "B HEADER" "CORIO HEADER" ROW...: a Markdown table of rows
# "label a b corio", with corio/a and corio/b.
ratio_table() {
    local row_header=$1 a_header=$2 b_header=$3 corio_header=$4
    shift 4
    echo "| $row_header | $a_header | $b_header | $corio_header | corio / ${a_header%% *} | corio / ${b_header%% *} |"
    echo "|---|---:|---:|---:|---:|---:|"
    local row
    for row in "$@"; do
        echo "$row" | awk "$awk_ratio_function"'
            { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, ratio($4, $2), ratio($4, $3) }'
    done
}

# append_over_first_columns BACKENDS: appends to the Markdown table's $header and $rule one
# "BACKEND / FIRST" column for each backend after the first in BACKENDS (space-separated).
append_over_first_columns() {
    local backend first=
    for backend in $1; do
        if [[ -z $first ]]; then
            first=$backend
        else
            header+=" $backend / $first |"
            rule+="---:|"
        fi
    done
}

# print_table ROW...: prints $header, $rule and each ROW's words as the cells of a table row.
print_table() {
    echo "$header"
    echo "$rule"
    local row
    for row in "$@"; do
        echo "$row" | awk '{ line = "|"; for (i = 1; i <= NF; ++i) line = line " " $i " |"; print line }'
    done
}

# backend_table "ROW HEADER" "A HEADER" "B HEADER" "BACKENDS" ROW...: a Markdown table of rows
# "label a b corio_1 ... corio_n", one corio column per backend in BACKENDS (a space-separated
# list such as "epoll io_uring"), then each backend's rate over a and over b and, with two or more
# backends, each later backend's over the first's. Sets $header and $rule.
backend_table() {
    local row_header=$1 a_header=$2 b_header=$3 backends=$4
    shift 4
    local a_name=${a_header%% *} b_name=${b_header%% *} backend
    header="| $row_header | $a_header | $b_header |"
    rule="|---|---:|---:|"
    for backend in $backends; do
        header+=" corio $backend |"
        rule+="---:|"
    done
    for backend in $backends; do
        header+=" $backend / $a_name | $backend / $b_name |"
        rule+="---:|---:|"
    done
    append_over_first_columns "$backends"
    echo "$header"
    echo "$rule"
    local row
    for row in "$@"; do
        echo "$row" | awk "$awk_ratio_function"'
            {
                line = "| " $1 " | " $2 " | " $3 " |"
                for (i = 4; i <= NF; ++i) line = line " " $i " |"
                for (i = 4; i <= NF; ++i) line = line " " ratio($i, $2) " | " ratio($i, $3) " |"
                for (i = 5; i <= NF; ++i) line = line " " ratio($i, $4) " |"
                print line
            }'
    done
}
