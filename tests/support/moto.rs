//! A local `moto_server` (moto's fake AWS endpoint) and an AWS CLI that talks to it.
//! See shared MOTO-NOTES and the comments in `tests/deploy_moto.rs` for moto's quirks.

use std::collections::BTreeSet;
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{clear_aws_env, run_bounded};

/// The region every call uses.
pub const REGION: &str = "us-east-1";
/// The account moto answers as (its default, `MOTO_ACCOUNT_ID` unset).
pub const ACCOUNT: &str = "123456789012";

/// How long the server may take to accept connections.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// Upper bound for one AWS CLI call (a deploy included).
const CALL_TIMEOUT: Duration = Duration::from_secs(300);

/// A running `moto_server`. Dropping it kills the process (by its PID) and reaps it, so the
/// server stops even when an assertion panics.
pub struct MotoServer {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl MotoServer {
    /// Starts `moto_server -H 127.0.0.1 -p PORT` on a free port, output to
    /// `<dir>/moto_server.log`, and waits until it accepts TCP connections.
    pub fn start(moto_server: &Path, dir: &Path) -> MotoServer {
        let port = free_port();
        let log = dir.join("moto_server.log");
        let out = File::create(&log).expect("creating the moto_server log");
        let err = out.try_clone().expect("cloning the log file handle");
        let mut cmd = Command::new(moto_server);
        clear_aws_env(&mut cmd)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // Load the AWS managed policies (e.g. AmazonSSMManagedInstanceCore) so that
            // `iam get-policy` can confirm the ARNs a template attaches exist.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", moto_server.display()));
        // From here on the guard owns the process: any panic below still stops it.
        let mut server = MotoServer { child, port, log };
        server.wait_until_ready();
        server
    }

    fn wait_until_ready(&mut self) {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("polling moto_server") {
                panic!(
                    "moto_server exited ({status}) before accepting connections\n{}",
                    self.log_tail(40)
                );
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
                return;
            }
            if start.elapsed() > STARTUP_TIMEOUT {
                panic!(
                    "moto_server did not accept connections on {addr} within \
                     {STARTUP_TIMEOUT:?}\n{}",
                    self.log_tail(40)
                );
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The last `lines` lines of the server's log, without the access log: moto's warnings
    /// (e.g. the resource types it skips) and the tracebacks of its HTTP 500s.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        // Without the access log lines ("POST / HTTP/1.1" 200 -): warnings and tracebacks.
        let all: Vec<&str> = text
            .lines()
            .filter(|l| !l.contains("\" HTTP/1.1\" "))
            .collect();
        let tail = all[all.len().saturating_sub(lines)..].join("\n");
        format!(
            "--- last {lines} lines of {} ---\n{tail}",
            self.log.display()
        )
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        // Child::kill sends SIGKILL to this PID only; moto_server runs without the reloader,
        // so it is a single process.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago: bind port 0, read the port, release it.
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binding 127.0.0.1:0");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    port
}

/// The AWS CLI pointed at a moto server, with dummy credentials and nothing from the
/// caller's AWS environment.
pub struct Aws {
    exe: PathBuf,
    endpoint: String,
    /// A directory for the (absent) AWS config and credentials files.
    scratch: PathBuf,
    extra_env: Vec<(String, String)>,
}

impl Aws {
    pub fn new(exe: &Path, server: &MotoServer, scratch: &Path) -> Aws {
        Aws {
            exe: exe.to_path_buf(),
            endpoint: server.endpoint(),
            scratch: scratch.to_path_buf(),
            extra_env: Vec::new(),
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Adds an environment variable to every later call.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.extra_env.push((key.to_string(), value.to_string()));
    }

    /// `aws --endpoint-url URL --output json ARGS...`, ready to run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.exe);
        clear_aws_env(&mut cmd)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_DEFAULT_REGION", REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            // No ~/.aws/config or credentials: these files do not exist.
            .env("AWS_CONFIG_FILE", self.scratch.join("aws-config-absent"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.scratch.join("aws-credentials-absent"),
            )
            // moto answers an unimplemented call with HTTP 500; do not retry it 4 times.
            .env("AWS_MAX_ATTEMPTS", "1")
            .env("AWS_PAGER", "");
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd.args(["--endpoint-url", &self.endpoint, "--output", "json"])
            .args(args);
        cmd
    }

    /// Runs the CLI; the caller checks the status.
    pub fn run(&self, args: &[&str]) -> Output {
        run_bounded(&mut self.command(args), CALL_TIMEOUT)
    }

    /// Runs the CLI, panics unless it succeeds, and parses its JSON answer (`Null` when it
    /// printed nothing).
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "`aws {}` failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        if stdout.trim().is_empty() {
            return Value::Null;
        }
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("`aws {}` printed no JSON ({e}):\n{stdout}", args.join(" ")))
    }
}

/// The resource types moto's CloudFormation implements, asked from moto itself (the
/// interpreter that runs `moto_server`): `moto.cloudformation.parsing.get_model_map()`,
/// less `NULL_MODELS` (types moto accepts and ignores). moto skips every other type with a
/// warning ("No Moto CloudFormation support for ...") and still reaches CREATE_COMPLETE.
pub fn supported_types(moto_server: &Path) -> BTreeSet<String> {
    let python = python_of(moto_server);
    let code = "import json\n\
                from moto.cloudformation.parsing import get_model_map, NULL_MODELS\n\
                print(json.dumps(sorted(set(get_model_map()) - set(NULL_MODELS))))\n";
    let mut cmd = Command::new(&python);
    cmd.args(["-c", code]);
    let out = run_bounded(&mut cmd, Duration::from_secs(120));
    assert!(
        out.status.success(),
        "cannot list moto's CloudFormation resource types with {}: {}",
        python.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("moto's type list is JSON")
}

/// The Python interpreter of a pip-installed console script: `python3`/`python` beside it
/// (a venv), else its `#!` line.
fn python_of(script: &Path) -> PathBuf {
    let dir = script.parent().expect("script has a directory");
    for name in ["python3", "python"] {
        if dir.join(name).is_file() {
            return dir.join(name);
        }
    }
    let text = std::fs::read_to_string(script).unwrap_or_default();
    let first = text.lines().next().unwrap_or_default();
    let interp = first
        .strip_prefix("#!")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("cannot tell which Python runs {}", script.display()));
    PathBuf::from(interp)
}

/// Parses an IAM policy document as moto returns it. Real IAM returns JSON (the CLI decodes
/// it into an object); moto 5.2.1 returns the inline policies of roles created by
/// CloudFormation as Python's `str()` of a dict (`{'Version': '2012-10-17', ...}`), because
/// its CloudFormation Role model stores the parsed dict. Accepts all three forms.
pub fn policy_document(value: &Value) -> Value {
    match value {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| {
            python_literal(s).unwrap_or_else(|e| panic!("cannot parse policy document ({e}): {s}"))
        }),
        other => other.clone(),
    }
}

/// A small parser for Python literals (dict, list, tuple, str, int, float, True, False,
/// None) as printed by `repr`/`str`.
pub fn python_literal(text: &str) -> Result<Value, String> {
    let mut p = PyParser {
        chars: text.chars().collect(),
        pos: 0,
    };
    let value = p.value()?;
    p.skip_ws();
    if p.pos != p.chars.len() {
        return Err(format!("trailing text at {}", p.pos));
    }
    Ok(value)
}

struct PyParser {
    chars: Vec<char>,
    pos: usize,
}

impl PyParser {
    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.chars.get(self.pos).copied()
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {c:?} at {}", self.pos))
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            Some('{') => {
                self.pos += 1;
                let mut map = serde_json::Map::new();
                while self.peek() != Some('}') {
                    let key = match self.value()? {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    self.expect(':')?;
                    let v = self.value()?;
                    map.insert(key, v);
                    if self.peek() == Some(',') {
                        self.pos += 1;
                    }
                }
                self.pos += 1;
                Ok(Value::Object(map))
            }
            Some(open @ ('[' | '(')) => {
                let close = if open == '[' { ']' } else { ')' };
                self.pos += 1;
                let mut items = Vec::new();
                while self.peek() != Some(close) {
                    items.push(self.value()?);
                    if self.peek() == Some(',') {
                        self.pos += 1;
                    }
                }
                self.pos += 1;
                Ok(Value::Array(items))
            }
            Some(quote @ ('\'' | '"')) => {
                self.pos += 1;
                let mut s = String::new();
                loop {
                    let c = *self.chars.get(self.pos).ok_or("unterminated string")?;
                    self.pos += 1;
                    match c {
                        c if c == quote => break,
                        '\\' => {
                            let e = *self.chars.get(self.pos).ok_or("bad escape")?;
                            self.pos += 1;
                            match e {
                                'n' => s.push('\n'),
                                't' => s.push('\t'),
                                'r' => s.push('\r'),
                                'x' | 'u' | 'U' => {
                                    let n = match e {
                                        'x' => 2,
                                        'u' => 4,
                                        _ => 8,
                                    };
                                    let hex: String =
                                        self.chars[self.pos..self.pos + n].iter().collect();
                                    self.pos += n;
                                    let code = u32::from_str_radix(&hex, 16)
                                        .map_err(|e| format!("bad escape {hex}: {e}"))?;
                                    s.push(char::from_u32(code).ok_or("bad code point")?);
                                }
                                other => s.push(other),
                            }
                        }
                        c => s.push(c),
                    }
                }
                Ok(Value::String(s))
            }
            Some(_) => {
                let start = self.pos;
                while self
                    .chars
                    .get(self.pos)
                    .is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'))
                {
                    self.pos += 1;
                }
                let word: String = self.chars[start..self.pos].iter().collect();
                match word.as_str() {
                    "True" => Ok(Value::Bool(true)),
                    "False" => Ok(Value::Bool(false)),
                    "None" => Ok(Value::Null),
                    "" => Err(format!("unexpected character at {start}")),
                    w => serde_json::from_str(w).map_err(|e| format!("bad literal {w}: {e}")),
                }
            }
            None => Err("unexpected end".to_string()),
        }
    }
}
