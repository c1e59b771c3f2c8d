//! Telegram's "429 Too Many Requests, retry after N seconds": the request is sent again
//! after exactly that delay, at most twice. (teloxide's `Throttle` adaptor would also do
//! this, but it paces every chat to one message a second, which the bot does not need.)

use teloxide::requests::{Output, Request};
use teloxide::RequestError;

/// Sends `request`, honouring `retry_after` answers.
pub async fn retry_after<R>(request: R) -> Result<Output<R>, RequestError>
where
    R: Request<Err = RequestError>,
{
    let mut retries = 2;
    loop {
        match request.send_ref().await {
            Err(RequestError::RetryAfter(after)) if retries > 0 => {
                retries -= 1;
                tracing::warn!(retry_after = ?after.duration(), "Telegram asked to slow down; sending again after that long");
                tokio::time::sleep(after.duration()).await;
            }
            result => return result,
        }
    }
}
