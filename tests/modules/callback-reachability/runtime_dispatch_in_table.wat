;; The runtime dispatch function also sits in a funcref table that an
;; export calls through with any argument: a call can come from outside
;; the module's direct calls, so it is not specialized.
;; test module-pass callback-reachability, module-dce
;; changed: nothing
;; removed: nothing
;; probe-seeds: 0 2 6 3 -5
(module
  (import "t" "[stream-read-0]s" (func $read (param i32 i32 i32) (result i32)))
  (type $d (func (param i32 i32 i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) func $dispatch)
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $on_subtask (param i32 i32) (global.set $acc (i32.add (global.get $acc) (i32.const 1))))
  (func $on_stream_read (param i32 i32) (global.set $acc (i32.add (global.get $acc) (local.get 1))))
  (func $callback (export "[callback][async-lift]t#f") (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (call $dispatch (local.get $event) (local.get $p1) (local.get $p2)))
  (func $dispatch (type $d)
    (if (i32.eq (local.get 0) (i32.const 1)) (then (call $on_subtask (local.get 1) (local.get 2))))
    (if (i32.eq (local.get 0) (i32.const 2)) (then (call $on_stream_read (local.get 1) (local.get 2))))
    (global.get $acc))
  (func $indirect (export "indirect") (param $k i32) (result i32)
    (call_indirect (type $d) (local.get $k) (i32.const 3) (i32.const 4) (i32.const 0))))
