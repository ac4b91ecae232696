//! Rebuilds the gateway when the web app's build output changes: the files
//! are embedded, and a file added to `web/dist` is not otherwise noticed.

fn main() {
    println!("cargo:rerun-if-changed=../web/dist");
}
