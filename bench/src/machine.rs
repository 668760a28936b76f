//! The machine and the moment of a run: cores, CPU model, load, date,
//! toolchain and tree revision, as far as they can be read.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// What the report says about where and when it was measured.
#[derive(Clone, Debug)]
pub struct Machine {
    /// Available parallelism (`nproc`).
    pub nproc: usize,
    /// `model name` from `/proc/cpuinfo`, or "unknown".
    pub cpu: String,
    /// `/proc/loadavg`'s 1/5/15-minute averages, or "unknown".
    pub load: String,
    /// UTC date and time, `YYYY-MM-DD HH:MM UTC`.
    pub date: String,
    /// `rustc --version`, or "unknown".
    pub rustc: String,
    /// `git rev-parse --short HEAD`, with "+ uncommitted changes" when the
    /// tree is dirty, or "unknown".
    pub revision: String,
}

impl Machine {
    /// Reads the machine now.
    pub fn probe() -> Machine {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let revision = match command("git", &["rev-parse", "--short", "HEAD"]) {
            Some(rev) => match command("git", &["status", "--porcelain"]) {
                Some(s) if !s.is_empty() => format!("{rev} + uncommitted changes"),
                _ => rev,
            },
            None => "unknown".into(),
        };
        Machine {
            nproc: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            cpu,
            load: load_average(),
            date: format_utc(secs),
            rustc: command("rustc", &["--version"]).unwrap_or_else(|| "unknown".into()),
            revision,
        }
    }
}

/// `/proc/loadavg`'s first three fields, or "unknown".
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn command(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `secs` since the Unix epoch as `YYYY-MM-DD HH:MM UTC` (proleptic
/// Gregorian calendar; Howard Hinnant's `civil_from_days`).
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_utc(1_767_225_599), "2025-12-31 23:59 UTC");
    }
}
