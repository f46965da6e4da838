//! Unified diffs of fixed files, for `check --diff` and the fix snapshot tests:
//! a line diff (Myers' O(ND) algorithm over lines, common prefix and suffix
//! trimmed first) rendered as `---`/`+++` headers and `@@` hunks with three lines
//! of context. A line without a final newline is marked the way `diff -u` does,
//! so a change of only the last newline is visible.

/// One line operation of a diff: indexes into the old and new line lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Keep(usize, usize),
    Del(usize),
    Ins(usize),
}

/// Split `text` into lines, each keeping its line terminator.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// The line operations turning `a` into `b`.
fn diff_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let mut pre = 0;
    while pre < a.len() && pre < b.len() && a[pre] == b[pre] {
        pre += 1;
    }
    let mut suf = 0;
    while suf < a.len() - pre && suf < b.len() - pre && a[a.len() - 1 - suf] == b[b.len() - 1 - suf]
    {
        suf += 1;
    }
    let mut ops: Vec<Op> = (0..pre).map(|i| Op::Keep(i, i)).collect();
    let mid = myers(&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    ops.extend(mid.into_iter().map(|op| match op {
        Op::Keep(i, j) => Op::Keep(i + pre, j + pre),
        Op::Del(i) => Op::Del(i + pre),
        Op::Ins(j) => Op::Ins(j + pre),
    }));
    ops.extend((0..suf).map(|k| Op::Keep(a.len() - suf + k, b.len() - suf + k)));
    ops
}

/// Myers' greedy shortest edit script, with the frontier of every step kept for
/// the backtrack (memory O((N+M)·D), fine for the few changed lines of a fix).
fn myers(a: &[&str], b: &[&str]) -> Vec<Op> {
    let n = a.len() as isize;
    let m = b.len() as isize;
    let max = (n + m) as usize;
    let off = max as isize + 1;
    let mut v = vec![0isize; 2 * max + 3];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    'outer: for d in 0..=max as isize {
        trace.push(v.clone());
        let mut k = -d;
        while k <= d {
            let idx = (k + off) as usize;
            let mut x = if k == -d || (k != d && v[idx - 1] < v[idx + 1]) {
                v[idx + 1]
            } else {
                v[idx - 1] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[idx] = x;
            if x >= n && y >= m {
                trace.push(v.clone());
                break 'outer;
            }
            k += 2;
        }
    }
    // Backtrack from (n, m): trace[d] is the frontier before step d.
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (1..trace.len() - 1).rev() {
        let v = &trace[d];
        let d = d as isize;
        let k = x - y;
        let prev_k = if k == -d || (k != d && v[(k - 1 + off) as usize] < v[(k + 1 + off) as usize])
        {
            k + 1
        } else {
            k - 1
        };
        let prev_x = v[(prev_k + off) as usize];
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            x -= 1;
            y -= 1;
            ops.push(Op::Keep(x as usize, y as usize));
        }
        if x == prev_x {
            y -= 1;
            ops.push(Op::Ins(y as usize));
        } else {
            x -= 1;
            ops.push(Op::Del(x as usize));
        }
    }
    while x > 0 && y > 0 {
        x -= 1;
        y -= 1;
        ops.push(Op::Keep(x as usize, y as usize));
    }
    ops.reverse();
    ops
}

/// Render a unified diff of `old` → `new` with `context` lines around changes;
/// empty when the texts are equal. `old_label`/`new_label` go on the headers.
pub fn unified(old: &str, new: &str, old_label: &str, new_label: &str, context: usize) -> String {
    if old == new {
        return String::new();
    }
    let a = lines(old);
    let b = lines(new);
    let ops = diff_ops(&a, &b);
    let mut out = format!("--- {old_label}\n+++ {new_label}\n");
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Keep(..)))
        .map(|(i, _)| i)
        .collect();
    let mut i = 0;
    while i < changed.len() {
        // Grow a hunk while the next change is within 2·context kept lines.
        let start = changed[i].saturating_sub(context);
        let mut last = changed[i];
        while i + 1 < changed.len() && changed[i + 1] <= last + 2 * context + 1 {
            i += 1;
            last = changed[i];
        }
        let end = (last + context + 1).min(ops.len());
        let hunk = &ops[start..end];
        let (mut a_start, mut b_start) = first_positions(&ops, start);
        let a_len = hunk.iter().filter(|o| !matches!(o, Op::Ins(_))).count();
        let b_len = hunk.iter().filter(|o| !matches!(o, Op::Del(_))).count();
        // `diff -u` numbers an empty side by the line before it.
        if a_len > 0 {
            a_start += 1;
        }
        if b_len > 0 {
            b_start += 1;
        }
        out.push_str(&format!("@@ -{a_start},{a_len} +{b_start},{b_len} @@\n"));
        for op in hunk {
            let (mark, line) = match *op {
                Op::Keep(x, _) => (' ', a[x]),
                Op::Del(x) => ('-', a[x]),
                Op::Ins(y) => ('+', b[y]),
            };
            out.push(mark);
            out.push_str(line);
            if !line.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
        i += 1;
    }
    out
}

/// 0-based old and new line numbers at which op `at` starts.
fn first_positions(ops: &[Op], at: usize) -> (usize, usize) {
    let mut a = 0;
    let mut b = 0;
    for op in &ops[..at] {
        match op {
            Op::Keep(..) => {
                a += 1;
                b += 1;
            }
            Op::Del(_) => a += 1,
            Op::Ins(_) => b += 1,
        }
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Apply the ops back: the diff must reproduce `new` from `old`.
    fn replay(old: &str, new: &str) -> String {
        let a = lines(old);
        let b = lines(new);
        diff_ops(&a, &b)
            .into_iter()
            .filter_map(|op| match op {
                Op::Keep(x, _) => Some(a[x]),
                Op::Del(_) => None,
                Op::Ins(y) => Some(b[y]),
            })
            .collect()
    }

    #[test]
    fn ops_reproduce_the_new_text() {
        let cases = [
            ("", "a\n"),
            ("a\n", ""),
            ("a\nb\nc\n", "a\nc\n"),
            ("a\nb\nc\n", "x\na\nb\ny\nc\nz"),
            ("1\n2\n3\n4\n5\n6\n", "6\n5\n4\n3\n2\n1\n"),
            ("a\nb", "a\nb\n"),
        ];
        for (old, new) in cases {
            assert_eq!(replay(old, new), new, "{old:?} -> {new:?}");
            let ops = diff_ops(&lines(old), &lines(new));
            let keeps = ops.iter().filter(|o| matches!(o, Op::Keep(..))).count();
            assert!(keeps <= lines(old).len().min(lines(new).len()));
        }
    }

    #[test]
    fn renders_hunks_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
        let new = "1\n2\n3\nfour\n5\n6\n7\n8\n9\n10\n11\n12\n13\n";
        let d = unified(old, new, "a/f", "b/f", 3);
        assert_eq!(
            d,
            "--- a/f\n+++ b/f\n@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+four\n 5\n 6\n 7\n\
             @@ -10,3 +10,4 @@\n 10\n 11\n 12\n+13\n"
        );
        assert_eq!(unified(old, old, "a", "b", 3), "");
        assert_eq!(
            unified("a", "a\n", "x", "y", 0),
            "--- x\n+++ y\n@@ -1,1 +1,1 @@\n-a\n\\ No newline at end of file\n+a\n"
        );
        assert_eq!(
            unified("a\n", "", "x", "y", 3),
            "--- x\n+++ y\n@@ -1,1 +0,0 @@\n-a\n"
        );
    }
}
