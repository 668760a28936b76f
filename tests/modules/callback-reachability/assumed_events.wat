;; The caller of weft narrows the events below what the imports allow
;; (`--assume-events=none,task-cancelled`, while a stream read is
;; imported): the STREAM_READ arm goes too.
;; test module-pass callback-reachability, module-dce
;; assume-events: none,task-cancelled
;; changed: fn3
;; removed: fn1
;; note: specialized under event ∈ {none (0), task-cancelled (6)}
;; probe-seeds: 0 6
;; not: $on_stream_read
(module
  (import "t" "[stream-read-0]s" (func $read (param i32 i32 i32) (result i32)))
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $on_stream_read (param i32 i32) (global.set $acc (i32.add (global.get $acc) (local.get 1))))
  (func $on_cancel (param i32 i32) (global.set $acc (i32.const -1)))
  (func $callback (export "[callback][async-lift]t#f") (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (if (i32.eq (local.get $event) (i32.const 2)) (then (call $on_stream_read (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 6)) (then (call $on_cancel (local.get $p1) (local.get $p2))))
    (global.get $acc)))
