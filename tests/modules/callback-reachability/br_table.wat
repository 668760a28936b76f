;; A callback dispatching with `br_table` on the event; an async-lowered
;; call and a future read are imported, so the events are {0, 1, 4, 6}.
;; The cases 2, 3, 5 and the default (codes above 6, a trap) are not
;; executable: they are retargeted to a live destination, their blocks go,
;; and module-dce removes the three handlers only they called.
;; test module-pass callback-reachability, module-dce
;; changed: fn9
;; removed: fn4 fn5 fn7
;; note: (function 9): specialized under event ∈ {none (0), subtask (1), future-read (4), task-cancelled (6)}
;; probe-seeds: 0 1 4 6
;; not: $on_stream_read
;; not: $on_future_write
;; check: $on_subtask
;; check: $on_future_read
(module
  (import "t" "[async-lower]get" (func $get (param i32 i32) (result i32)))
  (import "t" "[future-read-0]f" (func $fread (param i32 i32) (result i32)))
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $on_none (param i32 i32) (global.set $acc (i32.add (global.get $acc) (i32.const 100))))
  (func $on_subtask (param i32 i32) (global.set $acc (i32.add (global.get $acc) (local.get 1))))
  (func $on_stream_read (param i32 i32) (global.set $acc (i32.const 2)))
  (func $on_stream_write (param i32 i32) (global.set $acc (i32.const 3)))
  (func $on_future_read (param i32 i32) (global.set $acc (i32.mul (global.get $acc) (local.get 0))))
  (func $on_future_write (param i32 i32) (global.set $acc (i32.const 5)))
  (func $on_cancel (param i32 i32) (global.set $acc (i32.const -1)))
  (func $callback (export "[callback][async-lift]t#f") (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (block $done
      (block $bad
        (block $e6
          (block $e5
            (block $e4
              (block $e3
                (block $e2
                  (block $e1
                    (block $e0
                      (br_table $e0 $e1 $e2 $e3 $e4 $e5 $e6 $bad (local.get $event)))
                    (call $on_none (local.get $p1) (local.get $p2))
                    (br $done))
                  (call $on_subtask (local.get $p1) (local.get $p2))
                  (br $done))
                (call $on_stream_read (local.get $p1) (local.get $p2))
                (br $done))
              (call $on_stream_write (local.get $p1) (local.get $p2))
              (br $done))
            (call $on_future_read (local.get $p1) (local.get $p2))
            (br $done))
          (call $on_future_write (local.get $p1) (local.get $p2))
          (br $done))
        (call $on_cancel (local.get $p1) (local.get $p2))
        (br $done))
      (unreachable))
    (global.get $acc)))
