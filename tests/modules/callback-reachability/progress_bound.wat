;; F5, the progress bound: every stream read of the module asks for at
;; most 64 elements, so a read that is not BLOCKED and a STREAM_READ
;; event's payload carry a progress of at most 64. `chunk`, called only
;; with such a progress, loses its check `n >u 64`; the same check on the
;; write's progress (a count that is not a constant) stays.
;; test module-pass callback-reachability
;; changed: fn2
;; removed: nothing
;; note: function 2 (`chunk`), called only with param v0 ∈ [0, 64] (unsigned): 1 branches folded, 1 blocks removed
;; not: unreachable
(module
  (import "t" "[stream-read-0]r" (func $read (param i32 i32 i32) (result i32)))
  (import "t" "[stream-write-0]w" (func $write (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $chunk (param $n i32)
    (if (i32.gt_u (local.get $n) (i32.const 64)) (then (unreachable)))
    (global.set $acc (i32.add (global.get $acc) (local.get $n))))
  (func $callback (export "[callback][async-lift]t#f") (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (local $r i32)
    (if (i32.eq (local.get $event) (i32.const 2))
      (then (call $chunk (i32.shr_u (local.get $p2) (i32.const 4)))))
    (if (i32.eq (local.get $event) (i32.const 0))
      (then
        (local.set $r (call $read (i32.const 1) (i32.const 256) (i32.const 64)))
        (if (i32.ne (local.get $r) (i32.const -1))
          (then (call $chunk (i32.shr_u (local.get $r) (i32.const 4)))))
        (drop (call $write (i32.const 2) (i32.const 256) (local.get $p1)))))
    (global.get $acc))
  (func $unused_entry (export "[async-lift]t#f") (result i32) (i32.const 0)))
