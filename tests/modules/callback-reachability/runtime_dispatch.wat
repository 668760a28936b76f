;; wit-bindgen's shape: the callback hands the event to a runtime function
;; that dispatches on it. That function has one caller, which passes an
;; event in {0, 2, 6}: it is specialized under `param v0 ∈ {0, 2, 6}`, and
;; the handlers of the other events go.
;; test module-pass callback-reachability, module-dce
;; changed: fn6
;; removed: fn1 fn3
;; note: function 6 (`dispatch`), called only with param v0 ∈ {0, 2, 6}
;; probe-seeds: 0 2 6
;; not: $on_subtask
;; not: $on_stream_write
;; check: $on_stream_read
(module
  (import "t" "[stream-read-0]s" (func $read (param i32 i32 i32) (result i32)))
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $on_subtask (param i32 i32) (global.set $acc (i32.add (global.get $acc) (i32.const 1))))
  (func $on_stream_read (param i32 i32) (global.set $acc (i32.add (global.get $acc) (local.get 1))))
  (func $on_stream_write (param i32 i32) (global.set $acc (i32.xor (global.get $acc) (local.get 0))))
  (func $on_cancel (param i32 i32) (global.set $acc (i32.const -1)))
  (func $callback (export "[callback][async-lift]t#f") (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (call $dispatch (local.get $event) (local.get $p1) (local.get $p2)))
  (func $dispatch (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (if (i32.eq (local.get $event) (i32.const 1)) (then (call $on_subtask (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 2)) (then (call $on_stream_read (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 3)) (then (call $on_stream_write (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 6)) (then (call $on_cancel (local.get $p1) (local.get $p2))))
    (i32.add (global.get $acc) (local.get $event))))
