//! Supervision (通知 五、六): published fees (R34), violations and sanctions, complaints (R35),
//! double-random inspections (R36), integrity ratings (R37), statistics, and the retention
//! archive (R32).

pub mod archive;
pub mod complaints;
pub mod fees;
pub mod inspections;
pub mod ratings;
pub mod statistics;
pub mod violations;
