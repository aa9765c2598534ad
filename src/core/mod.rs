//! The pure core: no JS types, tested natively with `cargo test`.
//!
//! Endpoints and URL building, api_key and option validation, file sniffing and limits, the
//! flow's state machine, the retry schedule, the error kinds, the events and snapshot the caller
//! sees, and the image maths of capture
//! ([`image`]) all live here, so that most of the behaviour is covered by fast native tests.

pub mod api_key;
pub mod camera;
pub mod endpoint;
pub mod error;
pub mod events;
pub mod exif;
pub mod image;
pub mod info;
pub mod retry;
pub mod sniff;
pub mod state;
pub mod text;

pub use api_key::ApiKey;
pub use endpoint::{BaseUrl, DocumentName, Endpoints, Environment};
pub use error::{ErrorCode, FlowError, Step};
pub use info::{DocumentSpec, EnrollmentInfo, Route};
pub use retry::RetryPolicy;
pub use sniff::{check_page, Format, MAX_PAGE_BYTES};
pub use state::FlowState;
