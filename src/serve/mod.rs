//! `slo serve`: the long-running service on Fargate. One task per concern — notification
//! passes, refreshes of every objective, the heartbeat, spec reloads — and the HTTP server,
//! all sharing an [`AppState`]. SIGTERM stops new work, lets in-flight passes finish (each
//! message is journalled as it is sent) and returns; SIGHUP or a changed spec file reloads the
//! specs, and a bad one keeps the old ones.

pub mod listen;
pub mod passes;
pub mod specs;
pub mod state;

pub use state::{AppState, Intervals, Snapshot, Specs};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The environment, passed in (the Slack webhook URLs are read from it by name).
pub type Env = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The HTTP side, given by the caller (`http::app`): the service's loops do not depend on how
/// they are shown.
pub type App = fn(Arc<AppState>) -> axum::Router;

/// How long SIGTERM waits for in-flight passes: ECS kills the task 30 s after SIGTERM.
pub const DRAIN: Duration = Duration::from_secs(25);

#[derive(Clone, Debug)]
pub struct Settings {
    pub paths: Vec<PathBuf>,
    pub listen: SocketAddr,
    /// The notification journal: a directory or `dynamodb://TABLE`.
    pub state: String,
    pub intervals: Intervals,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the HTTP server failed")]
    Http(#[source] std::io::Error),
    #[error("cannot set up signal handling")]
    Signals(#[source] std::io::Error),
    #[error("cannot set up HTTPS for Slack")]
    Slack(#[source] crate::notify::channel::slack::SlackError),
}

/// A loop that runs `pass` every `every` until shutdown; a pass in flight is never cut short.
async fn every<F, Fut>(every: Duration, mut shutdown: watch::Receiver<bool>, mut pass: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => return,
            _ = ticks.tick() => {}
        }
        if *shutdown.borrow() {
            return;
        }
        pass().await;
    }
}

/// Runs the service until SIGTERM or SIGINT: binds `settings.listen`, starts the loops, and
/// returns when every loop has stopped (or [`DRAIN`] has passed).
pub async fn run(
    settings: Settings,
    specs: Specs,
    config: aws_config::SdkConfig,
    env: Env,
    app: App,
) -> Result<(), ServeError> {
    use tokio::signal::unix::{SignalKind, signal};
    let state = Arc::new(AppState::new(specs, settings.intervals, chrono::Utc::now()));
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: settings.listen,
            source,
        })?;
    let addr = listener.local_addr().unwrap_or(settings.listen);
    tracing::info!(event = "listening", addr = %addr, "slo serve listening on {addr}");
    let mut term = signal(SignalKind::terminate()).map_err(ServeError::Signals)?;
    let mut int = signal(SignalKind::interrupt()).map_err(ServeError::Signals)?;
    let mut hup = signal(SignalKind::hangup()).map_err(ServeError::Signals)?;
    let (stop, stopped) = watch::channel(false);
    let aws = Arc::new(passes::Adapters::sdk(&config, &settings.state).map_err(ServeError::Slack)?);

    let mut tasks = tokio::task::JoinSet::new();
    {
        let (state, aws) = (state.clone(), aws.clone());
        tasks.spawn(every(
            settings.intervals.refresh,
            stopped.clone(),
            move || {
                let (state, aws) = (state.clone(), aws.clone());
                async move { passes::refresh(&state, &aws).await }
            },
        ));
    }
    {
        let (state, aws, env) = (state.clone(), aws.clone(), env.clone());
        tasks.spawn(every(
            settings.intervals.notify,
            stopped.clone(),
            move || {
                let (state, aws, env) = (state.clone(), aws.clone(), env.clone());
                async move { passes::notify(&state, &aws, env.as_ref()).await }
            },
        ));
    }
    {
        let (state, aws) = (state.clone(), aws.clone());
        tasks.spawn(every(
            settings.intervals.heartbeat,
            stopped.clone(),
            move || {
                let (state, aws) = (state.clone(), aws.clone());
                async move { passes::heartbeat(&state, &aws).await }
            },
        ));
    }
    {
        let state = state.clone();
        let paths = settings.paths.clone();
        tasks.spawn(every(
            settings.intervals.spec_poll,
            stopped.clone(),
            move || {
                let (state, paths) = (state.clone(), paths.clone());
                async move {
                    if specs::changed(&state.specs()) {
                        specs::reload(&state, &paths, "file change");
                    }
                }
            },
        ));
    }
    let server = {
        let app = app(state.clone());
        tokio::spawn(listen::serve(listener, app, stopped.clone()))
    };
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => specs::reload(&state, &settings.paths, "SIGHUP"),
        }
    }
    tracing::info!(event = "stopping", "stopping: finishing in-flight passes");
    let _ = stop.send(true);
    let drained = tokio::time::timeout(DRAIN, async {
        while tasks.join_next().await.is_some() {}
        server.await
    })
    .await;
    match drained {
        Ok(Ok(Ok(()))) | Ok(Err(_)) => {}
        Ok(Ok(Err(e))) => return Err(ServeError::Http(e)),
        Err(_) => tracing::warn!(event = "stopped", "in-flight work did not finish in time"),
    }
    tracing::info!(event = "stopped", "stopped");
    Ok(())
}
