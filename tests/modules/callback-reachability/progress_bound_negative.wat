;; The progress bound holds only for counts the module passes: one read
;; asks for 128 elements, so `chunk`'s check `n >u 64` can fail on a
;; STREAM_READ event and stays; and `chunk_w`, given a write's progress
;; (whose count is not a constant), keeps its check too.
;; test module-pass callback-reachability
;; removed: nothing
;; check: unreachable
(module
  (import "t" "[stream-read-0]r" (func $read (param i32 i32 i32) (result i32)))
  (import "t" "[stream-write-0]w" (func $write (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $chunk (param $n i32)
    (if (i32.gt_u (local.get $n) (i32.const 64)) (then (unreachable)))
    (global.set $acc (i32.add (global.get $acc) (local.get $n))))
  (func $chunk_w (param $n i32)
    (if (i32.gt_u (local.get $n) (i32.const 64)) (then (unreachable)))
    (global.set $acc (i32.sub (global.get $acc) (local.get $n))))
  (func $callback (export "[callback][async-lift]t#f") (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (if (i32.eq (local.get $event) (i32.const 2))
      (then (call $chunk (i32.shr_u (local.get $p2) (i32.const 4)))))
    (if (i32.eq (local.get $event) (i32.const 3))
      (then (call $chunk_w (i32.shr_u (local.get $p2) (i32.const 4)))))
    (if (i32.eq (local.get $event) (i32.const 0))
      (then
        (drop (call $read (i32.const 1) (i32.const 256) (i32.const 64)))
        (drop (call $read (i32.const 1) (i32.const 256) (i32.const 128)))
        (drop (call $write (i32.const 2) (i32.const 256) (local.get $p1)))))
    (global.get $acc))
  (func $unused_entry (export "[async-lift]t#f") (result i32) (i32.const 0)))
